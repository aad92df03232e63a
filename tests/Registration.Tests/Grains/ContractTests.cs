using System.Reflection;
using System.Text;
using Orleans.Runtime;
using Orleans.Serialization.Configuration;

namespace Registration.Tests.Grains;

/// <summary>
/// The Orleans contracts (grain interfaces and their methods, serialized types and their members, serialized enums and
/// their values) as old and new silos and clients must both understand them during a rolling upgrade. Orleans names
/// each by its [Alias] and each member by its [Id]; without an alias it falls back to the CLR name, so a rename would
/// break the wire. The rendering is compared to contracts.approved.txt, so a changed or removed alias, id or value
/// cannot pass unseen.
/// </summary>
public sealed class ContractTests
{
    private const string ApprovedFile = "contracts.approved.txt";
    private const string ApprovedSource = "tests/Registration.Tests/Grains/" + ApprovedFile;

    [Fact]
    public void Every_grain_interface_method_and_serialized_type_has_an_alias()
    {
        var missing = GrainInterfaces().Where(i => AliasOf(i) is null).Select(i => $"grain interface {i.FullName}")
            .Concat(GrainInterfaces().SelectMany(Methods).Where(m => AliasOf(m) is null).Select(m => $"grain method {m.DeclaringType!.FullName}.{m.Name}"))
            .Concat(SerializedTypes().Where(t => AliasOf(t) is null).Select(t => $"serialized type {t.FullName}"))
            .ToList();

        Assert.True(missing.Count == 0,
            "Without [Alias(\"...\")] Orleans names these by their CLR name, so a rename breaks a rolling upgrade. Give each a stable " +
            $"alias that does not repeat the CLR name (e.g. \"registration.user.apply-user-registered\"):{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", missing));
    }

    [Fact]
    public void Every_contract_is_as_approved()
    {
        var approved = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, ApprovedFile));
        var rendered = Render();
        var removed = approved.Except(rendered).ToList();
        var added = rendered.Except(approved).ToList();
        if (removed.Count == 0 && added.Count == 0)
        {
            return;
        }

        var received = Path.Combine(AppContext.BaseDirectory, "contracts.received.txt");
        File.WriteAllLines(received, rendered);
        var message = new StringBuilder()
            .AppendLine($"The Orleans contracts differ from {ApprovedSource}.")
            .AppendLine("Approved, no longer rendered (a removed or changed alias, id, type or value: old and new silos would no longer understand each other):")
            .AppendJoin(Environment.NewLine, removed.Select(line => "  - " + line)).AppendLine()
            .AppendLine("Rendered, not approved:")
            .AppendJoin(Environment.NewLine, added.Select(line => "  + " + line)).AppendLine()
            .AppendLine($"If you only ADDED contracts (an interface, method, type, member or enum value), copy {received} over {ApprovedSource}.")
            .Append("Never change or remove an approved line of a contract that has been deployed: add a new method, member id or value instead.");
        Assert.Fail(message.ToString());
    }

    /// <summary>One line per contract and per member, each section in alias order, so the file diffs well.</summary>
    private static List<string> Render()
    {
        var lines = new List<string>
        {
            "# The Orleans contracts of Registration, rendered by ContractTests from the assemblies. Never change or remove a line",
            "# that was deployed; add new ones. Types are named by their alias where they have one.",
        };
        foreach (var grain in GrainInterfaces().OrderBy(i => AliasOf(i), StringComparer.Ordinal))
        {
            lines.Add($"interface {AliasOf(grain)} ({grain.FullName})");
            lines.AddRange(Methods(grain).OrderBy(m => AliasOf(m), StringComparer.Ordinal).Select(m =>
                $"  method {AliasOf(m)}: {Name(m.ReturnType)} {m.Name}({string.Join(", ", m.GetParameters().Select(p => Name(p.ParameterType)))})"));
        }

        foreach (var type in SerializedTypes().OrderBy(t => AliasOf(t), StringComparer.Ordinal))
        {
            var kind = type.IsEnum ? "enum" : typeof(Exception).IsAssignableFrom(type) ? "exception" : "type";
            lines.Add($"{kind} {AliasOf(type)} ({type.FullName})");
            lines.AddRange(type.IsEnum
                ? Enum.GetNames(type).Select(name => (Name: name, Value: Convert.ToInt64(Enum.Parse(type, name), System.Globalization.CultureInfo.InvariantCulture)))
                    .OrderBy(m => m.Value).Select(m => $"  value {m.Value}: {m.Name}")
                : SerializedMembers(type).OrderBy(m => m.Id).Select(m => $"  id {m.Id}: {Name(m.Type)} {m.Name}"));
        }

        return lines;
    }

    /// <summary>
    /// The assemblies Orleans generated code for, less Orleans' own and the tests': wherever a grain interface or
    /// serialized type of the product is, in a project of today or one added later.
    /// </summary>
    private static IEnumerable<Assembly> ProductAssemblies() =>
        Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")
            .Select(path => AssemblyName.GetAssemblyName(path))
            .Where(name => !name.Name!.StartsWith("Orleans.", StringComparison.Ordinal) && !name.Name.StartsWith("Microsoft.", StringComparison.Ordinal))
            .Select(Assembly.Load)
            .Where(assembly => assembly.IsDefined(typeof(TypeManifestProviderAttribute)) && assembly != typeof(ContractTests).Assembly);

    private static IEnumerable<Type> GrainInterfaces() =>
        ProductAssemblies().SelectMany(a => a.GetTypes()).Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t));

    private static IEnumerable<Type> SerializedTypes() =>
        ProductAssemblies().SelectMany(a => a.GetTypes()).Where(t => t.IsDefined(typeof(GenerateSerializerAttribute), inherit: false));

    private static IEnumerable<MethodInfo> Methods(Type grain) => grain.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);

    private static IEnumerable<(uint Id, string Name, Type Type)> SerializedMembers(Type type)
    {
        const BindingFlags Instance = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var property in type.GetProperties(Instance))
        {
            if (property.GetCustomAttribute<IdAttribute>() is { } id)
            {
                yield return (id.Id, property.Name, property.PropertyType);
            }
        }

        foreach (var field in type.GetFields(Instance))
        {
            if (field.GetCustomAttribute<IdAttribute>() is { } id)
            {
                yield return (id.Id, field.Name, field.FieldType);
            }
        }
    }

    private static string? AliasOf(MemberInfo member) => member.GetCustomAttribute<AliasAttribute>()?.Alias;

    /// <summary>A type as it is on the wire: ours by alias, generic arguments included, nullable values with '?'.</summary>
    private static string Name(Type type)
    {
        if (AliasOf(type) is { } alias)
        {
            return alias;
        }

        if (Nullable.GetUnderlyingType(type) is { } value)
        {
            return Name(value) + "?";
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        return type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
            : type.Name;
    }
}
